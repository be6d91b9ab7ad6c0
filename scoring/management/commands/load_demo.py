from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from scoring.demo import DEMO_PASSWORD, DEMO_USERNAMES, demo_district_load, demo_other_data
from talent.demo import EXPERT_USERNAMES, talent_demo_load


class Command(BaseCommand):
    help = (
        "Fill the database with the demo district and print the demo logins. A second run adds "
        "nothing and resets no password. Refuses a database that holds anything but the demo "
        "(other categories, units, cycles or users) unless given --allow-other-data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-other-data",
            action="store_true",
            help="load the demo (and its accounts with the public demo password) into a "
            "database that holds other data; never on a real installation",
        )

    def handle(self, *args, allow_other_data=False, **options):
        # The test settings load the demo beside the rows a test made itself (a superuser).
        if not (allow_other_data or getattr(settings, "DEMO_LOAD_BESIDE_OTHER_DATA", False)):
            other = demo_other_data(usernames=[*DEMO_USERNAMES, *EXPERT_USERNAMES])
            if other:
                raise CommandError(
                    "数据库中已有演示以外的数据，未加载演示数据（演示账号的密码是公开的）。"
                    f" / The database holds data other than the demo's: {'; '.join(other)}. "
                    "Nothing was loaded: the demo accounts have a public password. Add "
                    "--allow-other-data to load it anyway."
                )
        logins = demo_district_load()
        # The demo district's 考核办 admin approved the demo's subsidies.
        logins += talent_demo_load(approver=get_user_model().objects.get(username="admin"))
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo district loaded."))
        self.stdout.write(f"登录 / logins (password, unless changed since: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<8} {login.role:<6} {login.note}")
