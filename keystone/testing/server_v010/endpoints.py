"""The non-record endpoints: session login/logout/whoami, config, version, choices, home, admin.

Login and logout are DRF views behind the default authentication classes, so a login while a
session cookie is held goes through ``SessionAuthentication`` and needs the CSRF header, and
``logout`` without a session answers 401, exactly as on the real server (from 0.6.12 on;
before, dj-rest-auth's views answer the user's token as ``{"key"}`` and let anyone log out).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from keystone.testing.server_v010 import models, release, settings
from keystone.testing.server_v010.serializers import RestrictedUserSerializer


class LoginSerializer(serializers.Serializer):
    """Credentials in; the authenticated user out (``"Invalid username or password."``)."""

    username = serializers.CharField(required=True, write_only=True)
    password = serializers.CharField(required=True, write_only=True, trim_whitespace=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = authenticate(
            request=self.context.get("request"),
            username=attrs.get("username"),
            password=attrs.get("password"),
        )
        if not user:
            raise serializers.ValidationError("Invalid username or password.")
        return {"user": user}


class LoginView(GenericAPIView):
    """API endpoints for starting a session (sets the ``sessionid`` and a new ``csrftoken``)."""

    permission_classes = ()
    serializer_class = LoginSerializer

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        login(request._request, user)
        return Response(RestrictedUserSerializer(user).data)


class LogoutView(GenericAPIView):
    """API endpoints for ending the current session (API tokens stay valid)."""

    permission_classes = (IsAuthenticated,)
    serializer_class = serializers.Serializer

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        logout(request._request)
        return Response()


class WhoAmIView(GenericAPIView):
    """API endpoints for fetching the authenticated user's record.

    Before 0.6.6 the view checked the login itself and answered an anonymous request with a
    bare 401: no body, no content type.
    """

    permission_classes = (IsAuthenticated,)
    serializer_class = RestrictedUserSerializer
    release_path = "authentication/whoami"

    def get_permissions(self) -> Any:
        if release.current.traits.whoami_empty:
            return []
        return super().get_permissions()

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not request.user.is_authenticated:
            return Response(status=401)
        return Response(self.get_serializer(request.user).data)


class RestAuthLoginView(GenericAPIView):
    """dj-rest-auth's login (0.4.0 to 0.6.11): a session, and the user's API token as ``key``.

    The key is the user's DRF token, made on the first login and the same on every later one
    until a logout deletes it.
    """

    permission_classes = ()

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        missing = {
            name: ["This field is required."]
            for name in ("password",)
            if not request.data.get(name)
        }
        if missing:
            return Response(missing, status=400)
        user = authenticate(
            request=request._request,
            username=request.data.get("username") or request.data.get("email"),
            password=request.data.get("password"),
        )
        if user is None:
            refused = {"non_field_errors": ["Unable to log in with provided credentials."]}
            return Response(refused, status=400)
        login(request._request, user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"key": token.key})


class RestAuthLogoutView(GenericAPIView):
    """dj-rest-auth's logout (0.4.0 to 0.6.11): for anyone; deletes the user's API token."""

    permission_classes = ()

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Routed, and refused (``Allow`` lists GET, as dj-rest-auth's view does)."""
        raise MethodNotAllowed(request.method)

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if request.user.is_authenticated:
            Token.objects.filter(user=request.user).delete()
        logout(request._request)
        return Response({"detail": "Successfully logged out."})


class ConfigView(GenericAPIView):
    """API endpoints for fetching the server's client-facing settings."""

    permission_classes = (IsAuthenticated,)

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            {
                "version": django_settings.KEYSTONE_VERSION,
                "max_upload_size": settings.MAX_FILE_SIZE,
                "max_upload_count": settings.MAX_FILE_COUNT,
                "allowed_file_types": settings.ALLOWED_FILE_TYPES,
                "session_age": settings.SESSION_AGE,
            }
        )


class Version(GenericAPIView):
    """API endpoints for exposing the API version (a DRF view, text/plain, from 0.6.11 on)."""

    permission_classes = ()

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse(django_settings.KEYSTONE_VERSION, content_type="text/plain")


def plain_version(request: HttpRequest) -> HttpResponse:
    """``version/`` before 0.6.11: a plain Django view, any method, ``text/html``."""
    return HttpResponse(django_settings.KEYSTONE_VERSION)


def choices_view(choices: Any, description: str) -> Any:
    """A view answering a field's ``{value: label}`` choices to authenticated users."""

    def get(self: GenericAPIView, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(dict(choices))

    view: Any = type(
        "ChoicesView",
        (GenericAPIView,),
        {"permission_classes": [IsAuthenticated], "get": get, "__doc__": description},
    )
    return view.as_view()


_STATUS = (
    models.AllocationRequest.StatusChoices.choices,
    "API endpoints for exposing valid allocation request `status` values.",
)
_REVIEW = (
    models.AllocationReview.StatusChoices.choices,
    "API endpoints for exposing valid review `status` values.",
)
_ROLE = (models.Membership.Role.choices, "API endpoints for exposing valid team `role` values.")
_TYPE = (
    models.Notification.NotificationType.choices,
    "API endpoints for exposing valid notification `notification_type` values.",
)
CHOICE_ROUTES = {
    "allocations/request-choices/status": _STATUS,
    "allocations/allocation-request/status-choices": _STATUS,
    "allocations/review-choices/status": _REVIEW,
    "allocations/allocation-review/status-choices": _REVIEW,
    "allocations/cluster-choices/access-mode": (
        models.Cluster.AccessModeChoices.choices,
        "API endpoints for exposing valid cluster `access_mode` values.",
    ),
    "users/membership-choices/role": _ROLE,
    "users/team-membership/role-choices": _ROLE,
    "users/roles": _ROLE,  # 0.5.17 only, without a trailing slash
    "notifications/notification-choices/type": _TYPE,
    "notifications/allocation-request/status-choices": _TYPE,  # 0.6.13 to 0.7.3: the real path
}
"""Every field-choices path some release routes (without slashes at the ends); a release
routes those its schema lists, with or without the trailing slash as it does."""


def home(request: HttpRequest) -> HttpResponse:
    """``/``: the plain-text banner the real server answers."""
    return HttpResponse(f"Keystone API Version {django_settings.KEYSTONE_VERSION}")


def admin(request: HttpRequest) -> HttpResponse:
    """``admin/``: the redirect to the admin login page (the emulator has no admin site)."""
    return HttpResponseRedirect(f"/admin/login/?next={request.path}")
