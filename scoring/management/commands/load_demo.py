from django.core.management.base import BaseCommand

from scoring.demo import DEMO_PASSWORD, demo_district_load
from talent.demo import talent_demo_load


class Command(BaseCommand):
    help = "Fill the database with the demo district (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        logins = demo_district_load()
        logins += talent_demo_load()
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo district loaded."))
        self.stdout.write(f"登录 / logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<8} {login.role:<6} {login.note}")
