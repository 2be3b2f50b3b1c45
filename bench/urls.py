"""The product's URLs plus the floor reference, for the benchmark server only."""

from django.urls import path

from bench.floor.views import FloorCreateView
from config.urls import *  # noqa: F403
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench/floor/", FloorCreateView.as_view(), name="bench-floor"),
    *product_urlpatterns,
]
