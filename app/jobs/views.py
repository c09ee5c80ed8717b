"""A job's progress page, and its outcome once it is done."""

from flask import Blueprint, render_template
from flask_login import login_required

from app.auth.permissions import organiser_required
from app.extensions import db
from app.jobs import services
from app.jobs.models import Job

bp = Blueprint("jobs", __name__)


@bp.get("/jobs/<int:job_id>")
@login_required
@organiser_required
def detail(job_id: int):
    job = db.get_or_404(Job, job_id)
    if job.status == "running" and services.interrupt_stale():
        db.session.commit()
        db.session.refresh(job)
    return render_template("jobs/detail.html", job=job, outcome=job.outcome,
                           parameters=job.parameters or {})
