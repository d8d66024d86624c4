from django.shortcuts import get_object_or_404, render

from .models import Organisation, Sector


def organisation_list(request):
    organisations = Organisation.objects.published().for_list()
    return render(request, "organisations/list.html", {"organisations": organisations})


def organisation_detail(request, slug):
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user), slug=slug
    )
    return render(request, "organisations/detail.html", {"organisation": organisation})


def sector_list(request):
    return render(
        request, "organisations/sector_list.html", {"sectors": Sector.objects.all()}
    )


def sector_detail(request, slug):
    sector = get_object_or_404(Sector, slug=slug)
    return render(request, "organisations/sector_detail.html", {"sector": sector})
