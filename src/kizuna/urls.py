from django.urls import include, path

from kizuna.api import api
from kizuna.apps_plugged import url_mounts
from kizuna.contacts.views import home
from kizuna.core import pwa
from kizuna.core.views import audit_log, record_access

urlpatterns = [
    path("audit/", audit_log, name="audit_log"),
    path("access/<slug:object_type>/<int:pk>/", record_access, name="record_access"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("kizuna.accounts.urls")),
    path("settings/", include("kizuna.accounts.settings_urls")),
    path("", home, name="home"),
    path("manifest.webmanifest", pwa.manifest, name="pwa_manifest"),
    path("sw.js", pwa.service_worker, name="pwa_service_worker"),
    # Every app that declares `url_prefix` on its AppConfig (contacts at the root, timeline/, imports/, ...).
    *(path(prefix, include(module)) for prefix, module in url_mounts()),
]
