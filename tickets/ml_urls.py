from django.urls import path

from tickets import ml_views

urlpatterns = [
    path("train/", ml_views.TrainView.as_view(), name="ml-train"),
    path("jobs/", ml_views.TrainingJobListView.as_view(), name="ml-jobs"),
    path("jobs/<uuid:job_id>/", ml_views.TrainingJobView.as_view(), name="ml-job"),
    path("model/", ml_views.ActiveModelView.as_view(), name="ml-model"),
    path("models/", ml_views.ModelListView.as_view(), name="ml-models"),
    path(
        "models/<str:version>/activate/",
        ml_views.ModelActivateView.as_view(),
        name="ml-model-activate",
    ),
]
