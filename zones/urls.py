from django.urls import path

from zones.views import auth, notifications, portal

app_name = "zones"

urlpatterns = [
    path("", portal.dashboard_view, name="dashboard"),
    path("accounts/login/", auth.login_view, name="login"),
    path("accounts/login/verify/", auth.login_verify_view, name="login_verify"),
    path("accounts/two-factor/setup/", auth.two_factor_setup_view, name="two_factor_setup"),
    path("accounts/two-factor/backup-codes/", auth.backup_codes_view, name="backup_codes"),
    path(
        "accounts/two-factor/backup-codes/regenerate/",
        auth.backup_codes_regenerate_view,
        name="backup_codes_regenerate",
    ),
    path("accounts/step-up/", auth.step_up_view, name="step_up"),
    path("accounts/logout/", auth.logout_view, name="logout"),
    path("accounts/organisation/", portal.organisation_switch_view, name="organisation_switch"),
    path("accounts/tokens/", portal.api_token_list_view, name="api_tokens"),
    path("accounts/tokens/new/", portal.api_token_create_view, name="api_token_create"),
    path("accounts/tokens/<int:pk>/revoke/", portal.api_token_revoke_view, name="api_token_revoke"),
    path("organisation/people/", portal.member_list_view, name="members"),
    path("organisation/people/<int:pk>/disable/", portal.membership_disable_view, name="membership_disable"),
    path("organisation/people/<int:pk>/unlock/", portal.lockout_lift_view, name="lockout_lift"),
    path("platform/status/", portal.platform_status_view, name="status"),
    path("notifications/", notifications.notification_list_view, name="notifications"),
    path("notifications/<int:pk>/read/", notifications.notification_read_view, name="notification_read"),
    path("notifications/read-all/", notifications.notification_read_all_view, name="notifications_read_all"),
]
