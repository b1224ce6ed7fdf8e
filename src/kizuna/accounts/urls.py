from django.contrib.auth import views as auth_views
from django.urls import path

from . import views_auth, views_security

app_name = "accounts"
urlpatterns = [
    path("login/", views_auth.LoginView.as_view(), name="login"),
    path("login/code/", views_auth.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # password reset by e-mail (single-use links) and password change
    path("password/reset/", views_auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views_auth.PasswordResetConfirmView.as_view(template_name="registration/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path(
        "password/change/",
        views_auth.PasswordChangeView.as_view(template_name="registration/password_change_form.html"),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    # two-factor login
    path("2fa/", views_security.two_factor_settings, name="two_factor"),
    path("2fa/recovery-codes/", views_security.regenerate_recovery_codes, name="two_factor_recovery_codes"),
    path("2fa/disable/", views_security.disable_two_factor, name="two_factor_disable"),
    path("users/two-factor/", views_security.two_factor_admin, name="two_factor_admin"),
    path("users/<int:user_id>/two-factor/reset/", views_security.two_factor_admin_reset, name="two_factor_reset"),
    # API tokens
    path("tokens/", views_security.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views_security.token_revoke, name="token_revoke"),
]
