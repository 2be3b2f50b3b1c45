from django.urls import path

from tickets.triage import views as triage_views

urlpatterns = [
    path("train/", triage_views.TrainView.as_view(), name="ml-train"),
    path("jobs/", triage_views.TrainingJobListView.as_view(), name="ml-jobs"),
    path("jobs/<uuid:job_id>/", triage_views.TrainingJobView.as_view(), name="ml-job"),
    path("model/", triage_views.ActiveModelView.as_view(), name="ml-model"),
    path("models/", triage_views.ModelListView.as_view(), name="ml-models"),
    path(
        "models/<str:version>/activate/",
        triage_views.ModelActivateView.as_view(),
        name="ml-model-activate",
    ),
]
