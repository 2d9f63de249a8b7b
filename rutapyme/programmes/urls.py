"""Programme pages, mounted at the site root: staff pages under /programas/ and /promociones/,
the invitation link under /unirse/, firms' milestones under /hitos/, the dashboard under
/tablero/."""

from . import urls_dashboard, urls_join, urls_staff

app_name = "programmes"

urlpatterns = urls_staff.urlpatterns + urls_join.urlpatterns + urls_dashboard.urlpatterns
