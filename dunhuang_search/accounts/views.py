"""Sign in, sign out and password change: Django's auth views in the site's templates.

A form that does not validate (wrong password, mismatched new passwords) is shown again with
its errors and status 400, so that no failed attempt reads as a success; a locked-out login
(django-axes) is 429 with templates/accounts/locked_out.html.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


class InvalidIs400:
    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class LoginView(InvalidIs400, auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django refuses GET with 405): a link cannot sign anyone out."""


class PasswordChangeView(InvalidIs400, auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
