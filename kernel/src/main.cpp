// The classifai server executable.
#include "app/ServerApp.hpp"

POCO_SERVER_MAIN(classifai::ServerApp)
