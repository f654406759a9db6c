from django.shortcuts import render

from registry import selectors


def home(request):
    return render(request, "registry/home.html", {"percelen": selectors.perceel_list()})
