"""Endpoints of the trained model: train, inspect, list and re-activate."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.permissions import IsAgentOrStaff
from config.api.openapi import ERRORS
from config.api.permissions import IsStaff
from tickets import selectors
from tickets.filters import TrainingJobFilterSet
from tickets.models import ClassifierModel, TrainingJob
from tickets.triage import jobs
from tickets.triage import services as triage_services
from tickets.triage.serializers import (
    ClassifierModelSerializer,
    TrainingJobSerializer,
    TrainInputSerializer,
    TrainResultSerializer,
    model_path,
)


def train_result(record: ClassifierModel) -> dict:
    return {
        "n_samples": record.n_samples,
        "n_classes": len(record.classes),
        "classes": record.classes,
        "model_path": model_path(record),
        "version": record.version,
        "metrics": record.metrics,
        "is_active": record.is_active,
        "gate": record.gate,
        "gate_scores": record.gate_scores,
    }


class TrainView(APIView):
    """Train a model on the categorised tickets and activate it unless the promotion gate
    rejects it (worse than the active model on the same held-out rows) (staff).

    With a task queue configured (CELERY_BROKER_URL) the training is queued: 202 with the
    job, to follow at its `Location`. Without one it runs in the request: 200 with the model.
    """

    permission_classes = [IsStaff]

    @extend_schema(
        request=TrainInputSerializer,
        parameters=[
            OpenApiParameter(
                "Location",
                type=str,
                location=OpenApiParameter.HEADER,
                response=[202],
                description="Where to follow the queued job: /api/ml/jobs/{id}/.",
            )
        ],
        responses={
            200: TrainResultSerializer,
            202: OpenApiResponse(
                TrainingJobSerializer,
                description="Queued for a worker (CELERY_BROKER_URL set); poll "
                "GET /api/ml/jobs/{id}/.",
            ),
            **ERRORS(400, 401, 403),
            503: OpenApiResponse(
                ERRORS(503)[503].response,
                description="The database or the task queue is unavailable.",
            ),
        },
    )
    def post(self, request):
        serializer = TrainInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if jobs.training_in_background():
            job = jobs.training_job_enqueue(params=serializer.validated_data, actor=request.user)
            return Response(
                TrainingJobSerializer(job).data,
                status=status.HTTP_202_ACCEPTED,
                headers={"Location": reverse("ml-job", args=[job.pk])},
            )
        record = triage_services.model_train(actor=request.user, **serializer.validated_data)
        return Response(train_result(record), status=status.HTTP_200_OK)


class TrainingJobListView(generics.ListAPIView):
    """Training jobs, newest first (staff): what is queued or running, what failed and why."""

    permission_classes = [IsStaff]
    serializer_class = TrainingJobSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TrainingJobFilterSet

    def get_queryset(self):
        return selectors.training_job_list()


class TrainingJobView(APIView):
    """A queued training job: queued, running, succeeded (version, metrics) or failed (error)."""

    permission_classes = [IsStaff]

    @extend_schema(responses={200: TrainingJobSerializer, **ERRORS(401, 403, 404)})
    def get(self, request, job_id):
        try:
            job = selectors.training_job_detail(job_id=job_id)
        except TrainingJob.DoesNotExist:
            raise Http404("No such training job.") from None
        return Response(TrainingJobSerializer(job).data)


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
        return selectors.classifier_model_list()


class ModelActivateView(APIView):
    """Make an earlier (or the newest) model the active one again (staff), including one the
    promotion gate rejected: staff decide past the gate."""

    permission_classes = [IsStaff]

    @extend_schema(
        request=None,
        responses={
            200: ClassifierModelSerializer,
            **ERRORS(401, 403, 404),
            409: OpenApiResponse(
                ERRORS(409)[409].response,
                description="Its artefact was pruned (ML_KEEP_ARTIFACTS): train a new model.",
            ),
        },
    )
    def post(self, request, version: str):
        record = get_object_or_404(ClassifierModel, version=version)
        triage_services.model_activate(record=record)
        return Response(ClassifierModelSerializer(record).data)
