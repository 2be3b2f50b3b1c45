from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.floor.models import FloorRow


class FloorInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)


class FloorCreateView(APIView):
    """POST {"title"}: validate, insert one row, answer its id. Same authentication,
    permissions, middleware, server and database as the product's endpoints."""

    def post(self, request):
        serializer = FloorInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = FloorRow.objects.create(title=serializer.validated_data["title"])
        return Response({"id": row.pk}, status=status.HTTP_201_CREATED)
