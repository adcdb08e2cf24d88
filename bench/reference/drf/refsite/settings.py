"""Settings of the reference app: a production-style Django REST Framework
deployment (DEBUG off, JWT bearer authentication, limit/offset pagination,
django-filter) as the replaced system ran it. Paths come from the environment
so bench/http.sh can put everything in its work folder.

  REF_DB      the SQLite database file
  REF_MODEL   the pickled scikit-learn model
"""
import os

SECRET_KEY = os.environ.get("REF_SECRET_KEY", "reference-benchmark-only-not-a-secret-0123456789")
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "refsite.urls"
WSGI_APPLICATION = "refsite.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "django_filters",
    "churn",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("REF_DB", "reference.db"),
        # Keep the connection between requests, as a tuned deployment would.
        "CONN_MAX_AGE": None,
    }
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
from datetime import timedelta  # noqa: E402

SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(hours=2)}
LOGGING = {"version": 1, "disable_existing_loggers": False}
