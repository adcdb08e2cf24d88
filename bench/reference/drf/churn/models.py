"""The bank's ten columns, hard-wired, as in the replaced system."""
from django.db import models


class Customer(models.Model):
    customer_id = models.BigIntegerField(unique=True)
    surname = models.CharField(max_length=100)
    credit_score = models.IntegerField()
    geography = models.CharField(max_length=50)
    gender = models.CharField(max_length=20)
    age = models.IntegerField()
    tenure = models.IntegerField()
    balance = models.FloatField()
    num_of_products = models.IntegerField()
    has_cr_card = models.BooleanField()
    is_active_member = models.BooleanField()
    estimated_salary = models.FloatField()
    exited = models.BooleanField()
