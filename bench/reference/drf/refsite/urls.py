from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView

from churn import views

urlpatterns = [
    path("api/v1/auth/login", TokenObtainPairView.as_view()),
    path("api/v1/customers", views.CustomerList.as_view()),
    path("api/v1/customers/<int:customer_id>", views.CustomerDetail.as_view()),
    path("api/v1/predict", views.Predict.as_view()),
]
