// The classifai server executable.
#include "app/ServerApp.hpp"

#include <iostream>

POCO_SERVER_MAIN(classifai::ServerApp)
