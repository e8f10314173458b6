#include "api/Routes.hpp"

namespace classifai {

void addAllRoutes(Router& router, Services& services) {
    addSystemRoutes(router, services);
    addProjectRoutes(router, services);
    addSelectionRoutes(router, services);
    addExportRoutes(router, services);
    addImageRoutes(router, services);
    addAnnotationRoutes(router, services);
    addServerRoutes(router, services);
}

} // namespace classifai
