"""The non-record endpoints: session login/logout/whoami, config, version, choices, home, admin.

Login and logout are DRF views behind the default authentication classes, so a login while a
session cookie is held goes through ``SessionAuthentication`` and needs the CSRF header, and
``logout`` without a session answers 401, exactly as on the real server.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from keystone.testing.server_v010 import models, settings
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
    """API endpoints for fetching the authenticated user's record."""

    permission_classes = (IsAuthenticated,)
    serializer_class = RestrictedUserSerializer

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(request.user).data)


class ConfigView(GenericAPIView):
    """API endpoints for fetching the server's client-facing settings."""

    permission_classes = (IsAuthenticated,)

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            {
                "version": settings.VERSION,
                "max_upload_size": settings.MAX_FILE_SIZE,
                "max_upload_count": settings.MAX_FILE_COUNT,
                "allowed_file_types": settings.ALLOWED_FILE_TYPES,
                "session_age": settings.SESSION_AGE,
            }
        )


class Version(GenericAPIView):
    """API endpoints for exposing the API version."""

    permission_classes = ()

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse(settings.VERSION, content_type="text/plain")


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


CHOICE_ROUTES = {
    "allocations/request-choices/status/": (
        models.AllocationRequest.StatusChoices.choices,
        "API endpoints for exposing valid allocation request `status` values.",
    ),
    "allocations/review-choices/status/": (
        models.AllocationReview.StatusChoices.choices,
        "API endpoints for exposing valid review `status` values.",
    ),
    "allocations/cluster-choices/access-mode/": (
        models.Cluster.AccessModeChoices.choices,
        "API endpoints for exposing valid cluster `access_mode` values.",
    ),
    "users/membership-choices/role/": (
        models.Membership.Role.choices,
        "API endpoints for exposing valid team `role` values.",
    ),
    "notifications/notification-choices/type/": (
        models.Notification.NotificationType.choices,
        "API endpoints for exposing valid notification `notification_type` values.",
    ),
}


def home(request: HttpRequest) -> HttpResponse:
    """``/``: the plain-text banner the real server answers."""
    return HttpResponse(f"Keystone API Version {settings.VERSION}")


def admin(request: HttpRequest) -> HttpResponse:
    """``admin/``: the redirect to the admin login page (the emulator has no admin site)."""
    return HttpResponseRedirect(f"/admin/login/?next={request.path}")
