"""Webhook endpoints (staff) and one's own notification preferences."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.openapi import ERRORS
from config.api.permissions import IsStaff
from tickets.models import OutboxEvent, WebhookEndpoint
from tickets.outbox import selectors, services
from tickets.outbox.serializers import (
    NotificationPreferenceInputSerializer,
    NotificationPreferenceSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointCreateInputSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointUpdateInputSerializer,
    WebhookRedeliverInputSerializer,
)


class WebhookEndpointListView(APIView):
    """Webhook endpoints (staff): list them, or register one."""

    permission_classes = [IsStaff]

    @extend_schema(responses={200: WebhookEndpointSerializer(many=True), **ERRORS(401, 403)})
    def get(self, request):
        return Response(
            WebhookEndpointSerializer(selectors.webhook_endpoint_list(), many=True).data
        )

    @extend_schema(
        request=WebhookEndpointCreateInputSerializer,
        responses={201: WebhookEndpointCreatedSerializer, **ERRORS(400, 401, 403)},
    )
    def post(self, request):
        serializer = WebhookEndpointCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_create(actor=request.user, **serializer.validated_data)
        return Response(
            WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )


class WebhookEndpointView(APIView):
    """One webhook endpoint (staff): read, change (is_active: true re-enables it), remove."""

    permission_classes = [IsStaff]

    @extend_schema(responses={200: WebhookEndpointSerializer, **ERRORS(401, 403, 404)})
    def get(self, request, pk: int):
        return Response(WebhookEndpointSerializer(get_object_or_404(WebhookEndpoint, pk=pk)).data)

    @extend_schema(
        request=WebhookEndpointUpdateInputSerializer,
        responses={200: WebhookEndpointSerializer, **ERRORS(400, 401, 403, 404)},
    )
    def patch(self, request, pk: int):
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        serializer = WebhookEndpointUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_update(endpoint=endpoint, **serializer.validated_data)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None, **ERRORS(401, 403, 404)})
    def delete(self, request, pk: int):
        get_object_or_404(WebhookEndpoint, pk=pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryListView(generics.ListAPIView):
    """An endpoint's deliveries, newest first, each with its attempts (status code, latency,
    error)."""

    permission_classes = [IsStaff]
    serializer_class = WebhookDeliverySerializer
    filter_backends = []

    def get_queryset(self):
        endpoint = get_object_or_404(WebhookEndpoint, pk=self.kwargs["pk"])
        return selectors.webhook_delivery_list(endpoint=endpoint)


class WebhookRedeliverView(APIView):
    """Send one event to this endpoint again (staff): delivered by the dispatcher shortly."""

    permission_classes = [IsStaff]

    @extend_schema(
        request=WebhookRedeliverInputSerializer,
        responses={
            202: OpenApiResponse(WebhookDeliverySerializer, description="Queued for delivery."),
            **ERRORS(400, 401, 403, 404),
        },
    )
    def post(self, request, pk: int):
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        serializer = WebhookRedeliverInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = get_object_or_404(OutboxEvent, event_id=serializer.validated_data["event_id"])
        delivery = services.webhook_redeliver(endpoint=endpoint, event=event)
        delivery = selectors.webhook_delivery_list(endpoint=endpoint).get(pk=delivery.pk)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class NotificationPreferenceView(APIView):
    """My email notifications: language (en, fr, it, de) and the kinds switched off."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: NotificationPreferenceSerializer, **ERRORS(401)})
    def get(self, request):
        preference = selectors.notification_preference_get(user=request.user)
        return Response(NotificationPreferenceSerializer(preference).data)

    @extend_schema(
        request=NotificationPreferenceInputSerializer,
        responses={200: NotificationPreferenceSerializer, **ERRORS(400, 401)},
    )
    def patch(self, request):
        serializer = NotificationPreferenceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        preference = services.notification_preference_update(
            user=request.user, **serializer.validated_data
        )
        return Response(NotificationPreferenceSerializer(preference).data)
