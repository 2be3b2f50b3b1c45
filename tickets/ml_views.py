"""Endpoints of the trained model: train, inspect, list and re-activate."""

from pathlib import Path

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import ERRORS
from tickets import ml_services
from tickets.ml_serializers import (
    ClassifierModelSerializer,
    TrainInputSerializer,
    TrainResultSerializer,
)
from tickets.models import ClassifierModel
from tickets.permissions import IsAgentOrStaff, IsStaff


def train_result(record: ClassifierModel) -> dict:
    return {
        "n_samples": record.n_samples,
        "n_classes": len(record.classes),
        "classes": record.classes,
        "model_path": str(Path(settings.ML_ARTIFACT_DIR) / record.artifact),
        "version": record.version,
        "metrics": record.metrics,
    }


class TrainView(APIView):
    """Train a model on the categorised tickets and activate it (staff)."""

    permission_classes = [IsStaff]

    @extend_schema(
        request=TrainInputSerializer,
        responses={200: TrainResultSerializer, **ERRORS(400, 401, 403)},
    )
    def post(self, request):
        serializer = TrainInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = ml_services.model_train(actor=request.user, **serializer.validated_data)
        return Response(train_result(record), status=status.HTTP_200_OK)


class ActiveModelView(APIView):
    """The active model's metadata and held-out metrics."""

    permission_classes = [IsAgentOrStaff]

    @extend_schema(responses={200: ClassifierModelSerializer, **ERRORS(401, 403, 404)})
    def get(self, request):
        record = ClassifierModel.objects.select_related("trained_by").filter(is_active=True).first()
        if record is None:
            return Response(
                {
                    "detail": "No trained model is active. Train one with POST /api/ml/train/ "
                    "or `python manage.py train`."
                },
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(ClassifierModelSerializer(record).data)


class ModelListView(generics.ListAPIView):
    """Every trained model, newest first."""

    permission_classes = [IsAgentOrStaff]
    serializer_class = ClassifierModelSerializer
    filter_backends = []

    def get_queryset(self):
        return ClassifierModel.objects.select_related("trained_by")


class ModelActivateView(APIView):
    """Make an earlier (or the newest) model the active one again (staff)."""

    permission_classes = [IsStaff]

    @extend_schema(
        request=None, responses={200: ClassifierModelSerializer, **ERRORS(401, 403, 404)}
    )
    def post(self, request, version: str):
        record = get_object_or_404(ClassifierModel, version=version)
        ml_services.model_activate(record=record)
        return Response(ClassifierModelSerializer(record).data)
