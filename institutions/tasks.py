from celery import shared_task


@shared_task(acks_late=True)
def run_import(job_id: int) -> str:
    """Run an institution import; idempotent (a finished job is left alone)."""
    from institutions import imports

    return imports.run(job_id).state
