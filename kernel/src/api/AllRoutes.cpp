#include "api/Routes.hpp"

namespace classifai {

void addAllRoutes(Router& router, Services& services) {
    addSystemRoutes(router, services);
    addProjectRoutes(router, services);
    addSelectionRoutes(router, services);
}

} // namespace classifai
