from django.db.models import Count
from django.shortcuts import render

from mechanisms.models import Mechanism
from organisations.models import Organisation, Sector


def home(request):
    organisations = Organisation.objects.published()
    mechanisms = Mechanism.objects.published()
    context = {
        "organisation_count": organisations.count(),
        "mechanism_count": mechanisms.count(),
        "sector_count": Sector.objects.count(),
        "organisation_kinds": [
            (Organisation.Kind(row["kind"]).label, row["n"])
            for row in organisations.values("kind")
            .annotate(n=Count("pk"))
            .order_by("-n")
        ],
        "mechanism_kinds": [
            (Mechanism.Kind(row["kind"]).label, row["n"])
            for row in mechanisms.values("kind").annotate(n=Count("pk")).order_by("-n")
        ],
    }
    return render(request, "coopdir/home.html", context)
