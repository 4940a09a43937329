import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from gongjiang.core import tasks
from gongjiang.core.audit import audit_context
from gongjiang.synth.competitions_demo import competitions_demo
from gongjiang.synth.demo import (
    DEMO_REGIONS,
    credentials_path,
    demo_accounts,
    demo_monitoring,
    demo_secret,
    region_has_data,
)
from gongjiang.synth.evaluation_demo import evaluation_demo
from gongjiang.synth.forecast_demo import forecast_demo
from gongjiang.synth.generator import synthesize
from gongjiang.synth.honours_demo import honours_demo
from gongjiang.synth.labour_demo import labour_demo
from gongjiang.synth.training_demo import training_demo
from gongjiang.synth.wages_demo import wages_demo


class Command(BaseCommand):
    help = (
        "Set up the demo (database, reference data, synthetic Suzhou and Changzhou, accounts) and serve it, "
        "with a background worker beside the server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="do everything but start the server")
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        self.stdout.write("[1/4] database schema")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("[2/4] reference data")
        call_command("load_reference", stdout=self.stdout)
        self.stdout.write("[3/4] synthetic data")
        with audit_context(source="cli"):
            for code, scale in DEMO_REGIONS:
                if region_has_data(code):
                    self.stdout.write(f"  {code}: already present")
                    continue
                report = synthesize(
                    region=code, scale=scale, seed=options["seed"], progress=lambda m: self.stdout.write(f"  {m}")
                )
                self.stdout.write(f"  {code}: {report.counts['persons']} persons in {report.seconds:.1f} s")
            self.stdout.write("[4/4] demo accounts")
            accounts = demo_accounts()
            self.stdout.write("  training: institutions, classes, claims, payments, findings")
            training_demo(lambda m: self.stdout.write(f"  {m}"))
            self.stdout.write("  evaluation: institutions, plans, a batch issued, a batch refused, a draw")
            evaluation_demo(lambda m: self.stdout.write(f"  {m}"))
            self.stdout.write("  competitions: a municipal competition with results and certificates, one in marking")
            competitions_demo(lambda m: self.stdout.write(f"  {m}"))
            self.stdout.write("  wage prices: salary surveys of Suzhou and Changzhou, editions published and in draft")
            wages_demo(lambda m: self.stdout.write(f"  {m}"))
            self.stdout.write("  honours: calls, honours, awards and their instalments, recognised enterprises")
            honours_demo(lambda m: self.stdout.write(f"  {m}"))
            self.stdout.write("  labour market: demand, a survey, classes matched, seekers, the need catalog")
            labour_demo(lambda m: self.stdout.write(f"  {m}"))
            self.stdout.write("  manpower forecasts: a forecast of Suzhou reconciled, warnings, a major project")
            forecast_demo(lambda m: self.stdout.write(f"  {m}"))
            # Last, so that the indicators include everything the steps above wrote.
            self.stdout.write("  monitoring: targets, map, carriers, indicator rollup")
            demo_monitoring(lambda m: self.stdout.write(f"  {m}"))
        url = f"http://{options['addrport']}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Gongjiang demo: {url}"))
        self.stdout.write(f"  API docs: {url}api/docs/   (accounts are also in {credentials_path()})")
        for account, password in accounts:
            self.stdout.write(f"  {account.username:<13} {password:<18} {account.description}")
            if account.needs_second_factor:
                self.stdout.write(
                    f"  {'':<13} second factor: add the key {demo_secret(account.username)} to an authenticator app,"
                    f" or run `gongjiang otp_code {account.username}` for the current code"
                )
        if options["no_serve"]:
            return
        self.serve(options["addrport"])

    def serve(self, addrport: str) -> None:
        """Django's development server, and a worker process beside it for the background tasks (import
        jobs), stopped with the server (Ctrl+C, or SIGTERM to this process)."""
        worker = None
        if tasks.needs_worker():
            # Its own session: Ctrl+C reaches the server only, which then stops the worker.
            worker = subprocess.Popen([sys.executable, "-m", "gongjiang", "worker"], start_new_session=True)
            self.stdout.write(f"  background worker: process {worker.pid} (gongjiang worker)")
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            signal.signal(signal.SIGTERM, previous)
            if worker is not None:
                stop_worker(worker)


def stop_worker(worker: subprocess.Popen, timeout: float = 10.0) -> None:
    """Ask the worker to stop (it finishes the task it is running), then make it."""
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
