from django.shortcuts import get_object_or_404, render

from .models import Mechanism


def mechanism_list(request):
    mechanisms = Mechanism.objects.published().for_list()
    return render(request, "mechanisms/list.html", {"mechanisms": mechanisms})


def mechanism_detail(request, slug):
    mechanism = get_object_or_404(Mechanism.objects.visible_to(request.user), slug=slug)
    return render(request, "mechanisms/detail.html", {"mechanism": mechanism})
