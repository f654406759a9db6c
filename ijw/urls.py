"""Pages of the ijw app: the family questionnaire and the messaging report."""

from django.urls import path

from ijw import views

app_name = "ijw"
urlpatterns = [
    path("ervaring/<str:token>", views.experience, name="experience"),
    path("regie/ijw", views.compliance, name="compliance"),
    path("regie/ijw.csv", views.compliance_csv, name="compliance-csv"),
]
