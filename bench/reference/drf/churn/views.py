"""The three benchmarked endpoints: read one customer, list with filters and
ordering, predict churn for posted attributes with the random forest."""
import os
import pickle

import numpy as np
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Customer

GEOGRAPHIES = ["France", "Germany", "Spain"]
FEATURES = ["CreditScore", "Age", "Tenure", "Balance", "NumOfProducts", "HasCrCard", "IsActiveMember",
            "EstimatedSalary"]

with open(os.environ.get("REF_MODEL", "model.pkl"), "rb") as f:
    MODEL = pickle.load(f)


def encode(attrs):
    """One row as the model was trained on: numeric columns, then one-hot
    geography and a 0/1 gender."""
    row = [float(attrs[name]) for name in FEATURES]
    row += [1.0 if attrs["Geography"] == g else 0.0 for g in GEOGRAPHIES]
    row.append(1.0 if attrs["Gender"] == "Male" else 0.0)
    return row


def risk_level(p):
    for name, upper in (("very_low", 0.2), ("low", 0.4), ("medium", 0.6), ("high", 0.8)):
        if p < upper:
            return name
    return "very_high"


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = "__all__"


class CustomerList(generics.ListAPIView):
    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    filterset_fields = {"geography": ["exact"], "gender": ["exact"], "age": ["exact", "gte", "lte"],
                        "balance": ["gte", "lte"], "exited": ["exact"]}
    ordering_fields = ["age", "balance", "credit_score", "customer_id"]
    ordering = ["id"]


class CustomerDetail(generics.RetrieveAPIView):
    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    lookup_field = "customer_id"


class PredictSerializer(serializers.Serializer):
    attributes = serializers.DictField()


class Predict(APIView):
    def post(self, request):
        body = PredictSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            row = encode(body.validated_data["attributes"])
        except (KeyError, ValueError) as e:
            raise serializers.ValidationError({"attributes": str(e)})
        p = float(MODEL.predict_proba(np.array([row]))[0, 1])
        return Response({"probability": p, "risk_level": risk_level(p), "stored": False})
