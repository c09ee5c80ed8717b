"""Home page and health check."""

from flask import Blueprint, render_template
from sqlalchemy import func, select, text

from app.buyers.models import Buyer
from app.catalogue.models import Company, Product
from app.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    counts = {
        "companies": db.session.scalar(select(func.count(Company.id))),
        "products": db.session.scalar(select(func.count(Product.id))),
        "buyers": db.session.scalar(select(func.count(Buyer.id))),
        "countries": db.session.scalar(select(func.count(func.distinct(Buyer.country)))),
    }
    return render_template("main/index.html", counts=counts)


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
