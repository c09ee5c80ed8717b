"""Supplier pages (dashboard, profile, products, import/export) and the public directory."""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user

from app.auth import services as auth_services
from app.auth.models import Role
from app.auth.permissions import ensure_company_editor, organiser_required
from app.catalogue import services, transfer
from app.catalogue.forms import CompanyForm, DirectoryForm, ProductForm, SupplierRegistrationForm
from app.catalogue.models import Company, Product
from app.extensions import db
from app.i18n import _
from app.reference.hs import chapter_codes
from app.web.forms import DeleteForm, UploadForm
from app.web.helpers import spreadsheet_download, upload_import_page

bp = Blueprint("catalogue", __name__)
PRODUCT_FIELDS = ("product_ref", "name_ko", "name_en", "description_ko", "description_en",
                  "hs_code", "moq", "unit_price_usd")
COMPANY_FIELDS = ("name_ko", "name_en", "region_ko", "description_ko", "description_en",
                  "website", "contact_name", "contact_email", "contact_phone", "export_countries",
                  "languages")


@bp.route("/register/supplier", methods=["GET", "POST"])
def register_supplier():
    form = SupplierRegistrationForm()
    if form.validate_on_submit():
        company = services.create_company(form.company_name_ko.data, form.supplier_ref.data,
                                          name_en=form.company_name_en.data or None)
        user = auth_services.create_user(form.email.data, form.password.data, Role.SUPPLIER,
                                         company_id=company.id)
        db.session.commit()
        login_user(user)
        flash(_("Welcome! Add your products one by one or import your catalogue."), "success")
        return redirect(url_for("catalogue.dashboard"))
    return render_template("catalogue/register.html", form=form)


@bp.get("/dashboard")
@login_required
def dashboard():
    if not current_user.is_supplier or current_user.company_id is None:
        return redirect(url_for("catalogue.suppliers"))
    return redirect(url_for("catalogue.company_products", company_id=current_user.company_id))


@bp.route("/companies/<int:company_id>/edit", methods=["GET", "POST"])
@login_required
def edit_company(company_id: int):
    company = db.get_or_404(Company, company_id)
    ensure_company_editor(current_user, company.id)
    form = CompanyForm(obj=company)
    if form.validate_on_submit():
        services.update_company(company, current_user,
                                **{name: form[name].data for name in COMPANY_FIELDS})
        db.session.commit()
        flash(_("Company profile saved."), "success")
        return redirect(url_for("catalogue.company_products", company_id=company.id))
    return render_template("catalogue/company_form.html", form=form, company=company)


@bp.get("/companies/<int:company_id>/products")
@login_required
def company_products(company_id: int):
    """The editor's view of one company: the dashboard for suppliers, any company for organisers."""
    company = db.get_or_404(Company, company_id)
    ensure_company_editor(current_user, company.id)
    filters = services.DirectoryFilters(q=request.args.get("q", "").strip())
    products = db.session.scalars(services.product_search(filters, company_id=company.id)).all()
    return render_template("catalogue/dashboard.html", company=company, products=products,
                           q=filters.q, upload_form=UploadForm(), delete_form=DeleteForm())


@bp.route("/companies/<int:company_id>/products/new", methods=["GET", "POST"])
@login_required
def new_product(company_id: int):
    company = db.get_or_404(Company, company_id)
    ensure_company_editor(current_user, company.id)
    form = ProductForm()
    if form.validate_on_submit():
        product = services.save_product(company, current_user,
                                        certifications=form.certifications.data,
                                        **{name: form[name].data for name in PRODUCT_FIELDS})
        db.session.commit()
        flash(_("Product %(ref)s added.", ref=product.product_ref), "success")
        return redirect(url_for("catalogue.company_products", company_id=company.id))
    return render_template("catalogue/product_form.html", form=form, company=company,
                           product=None)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def edit_product(product_id: int):
    product = db.get_or_404(Product, product_id)
    ensure_company_editor(current_user, product.company_id)
    form = ProductForm(obj=product, certifications=[c.name for c in product.certifications])
    if form.validate_on_submit():
        services.save_product(product.company, current_user, product,
                              certifications=form.certifications.data,
                              **{name: form[name].data for name in PRODUCT_FIELDS})
        db.session.commit()
        flash(_("Product %(ref)s saved.", ref=product.product_ref), "success")
        return redirect(url_for("catalogue.company_products", company_id=product.company_id))
    return render_template("catalogue/product_form.html", form=form, company=product.company,
                           product=product)


@bp.post("/products/<int:product_id>/delete")
@login_required
def delete_product(product_id: int):
    product = db.get_or_404(Product, product_id)
    company_id, ref = product.company_id, product.product_ref
    services.delete_product(product, current_user)
    db.session.commit()
    flash(_("Product %(ref)s deleted.", ref=ref), "success")
    return redirect(url_for("catalogue.company_products", company_id=company_id))


def _import(company: Company | None):
    return upload_import_page(
        "catalogue/import.html",
        lambda stream, filename: transfer.import_catalogue_file(stream, filename, current_user,
                                                                company),
        company=company)


@bp.route("/companies/<int:company_id>/import", methods=["GET", "POST"])
@login_required
def import_company_catalogue(company_id: int):
    company = db.get_or_404(Company, company_id)
    ensure_company_editor(current_user, company.id)
    return _import(company)


@bp.route("/catalogue/import", methods=["GET", "POST"])
@login_required
@organiser_required
def import_any_catalogue():
    return _import(None)


def _download(companies: list[Company], file_format: str, name: str) -> Response:
    return spreadsheet_download(transfer.export_catalogue(companies, file_format), file_format,
                                name)


@bp.get("/companies/<int:company_id>/export.<any(csv, xlsx):file_format>")
@login_required
def export_company(company_id: int, file_format: str):
    company = db.get_or_404(Company, company_id)
    ensure_company_editor(current_user, company.id)
    return _download([company], file_format, f"catalogue-{company.supplier_ref}")


@bp.get("/catalogue/export.<any(csv, xlsx):file_format>")
@login_required
@organiser_required
def export_all(file_format: str):
    companies = db.session.scalars(services.company_search(services.DirectoryFilters())).all()
    return _download(list(companies), file_format, "catalogue")


def _directory_context(form: DirectoryForm) -> dict:
    return {"form": form, "chapters": services.chapters_in_use() or list(chapter_codes()),
            "regions": services.region_names(),
            "certifications": services.certifications_in_use()}


def _filters(form: DirectoryForm) -> services.DirectoryFilters:
    return services.DirectoryFilters(
        q=(form.q.data or "").strip()[:200], chapter=(form.chapter.data or "")[:2],
        region=form.region.data or "", certification=form.certification.data or "")


@bp.get("/suppliers")
def suppliers():
    form = DirectoryForm(request.args)
    page = db.paginate(services.company_search(_filters(form)),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("catalogue/suppliers.html", page=page, **_directory_context(form))


@bp.get("/products")
def products():
    form = DirectoryForm(request.args)
    page = db.paginate(services.product_search(_filters(form)),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("catalogue/products.html", page=page, **_directory_context(form))


@bp.get("/suppliers/<int:company_id>")
def supplier(company_id: int):
    return render_template("catalogue/supplier.html", company=db.get_or_404(Company, company_id))


@bp.get("/products/<int:product_id>")
def product(product_id: int):
    return render_template("catalogue/product.html", product=db.get_or_404(Product, product_id))
