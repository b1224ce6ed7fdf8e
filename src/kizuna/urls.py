from django.urls import include, path

from kizuna.api import api
from kizuna.contacts.views import home
from kizuna.core.views import audit_log, healthz, record_access

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("audit/", audit_log, name="audit_log"),
    path("access/<slug:object_type>/<int:pk>/", record_access, name="record_access"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("kizuna.accounts.urls")),
    path("settings/custom-fields/", include("kizuna.customfields.urls")),
    path("settings/", include("kizuna.accounts.settings_urls")),
    path("", home, name="home"),
    path("", include("kizuna.contacts.urls")),
    path("timeline/", include("kizuna.timeline.urls")),
    path("imports/", include("kizuna.imports.urls")),
    path("privacy/", include("kizuna.privacy.urls")),
]
