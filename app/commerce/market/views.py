"""The co-prosperity market: browsing, listings and their review, orders for pickup, sales."""

from functools import wraps

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import format_currency
from flask_login import current_user, login_required
from sqlalchemy import select

from app import idempotency
from app.auth.permissions import ensure_company_editor, organiser_required
from app.catalogue.models import Company, Product
from app.commerce.blueprint import bp
from app.commerce.market import images, orders, services
from app.commerce.market.forms import (
    EditListingForm,
    MarketFilterForm,
    NewListingForm,
    OrderForm,
    PickupForm,
    RejectForm,
)
from app.commerce.market.models import (
    CATEGORIES,
    LISTING_STATUSES,
    MarketListing,
    MarketOrder,
    MarketPhoto,
    category_labels,
    listing_status_labels,
)
from app.core.errors import Forbidden
from app.expo.models import Event
from app.extensions import csrf, db
from app.i18n import _, localized
from app.web.forms import ActionForm
from app.web.helpers import back_or, safe_next

# Everything beyond the photos themselves: the other fields, the multipart framing.
FORM_OVERHEAD_BYTES = 1024 * 1024


@bp.app_template_filter("krw")
def krw(amount: int | None) -> str:
    """Won in the viewer's locale (₩12,000), no decimals."""
    return "" if amount is None else format_currency(amount, "KRW")


@bp.context_processor
def market_labels() -> dict:
    return {"category_labels": category_labels(), "listing_status_labels": listing_status_labels()}


def accepts_photos(view):
    """Photo forms take up to MARKET_MAX_PHOTOS files of MARKET_MAX_PHOTO_BYTES each, more than
    the app-wide MAX_CONTENT_LENGTH: the larger limit is set before anything reads the body.
    CSRFProtect would read it first (with the smaller limit), so it skips these views; their
    FlaskForm checks the CSRF token itself in validate_on_submit()."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        config = current_app.config
        request.max_content_length = max(
            config["MAX_CONTENT_LENGTH"] or 0,
            config["MARKET_MAX_PHOTOS"] * config["MARKET_MAX_PHOTO_BYTES"] + FORM_OVERHEAD_BYTES)
        return view(*args, **kwargs)

    return csrf.exempt(wrapped)


def _listing_or_login(listing: MarketListing):
    """None when the viewer may see the listing, else the log-in redirect (anonymous) or 403."""
    if services.can_view_listing(current_user, listing):
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    raise Forbidden()


# --- Browsing --------------------------------------------------------------------------------

@bp.get("/market")
def market():
    form = MarketFilterForm(request.args)
    filters = services.MarketFilters(q=(form.q.data or "").strip()[:200],
                                     category=form.category.data or "",
                                     event_id=form.event.data)
    page = db.paginate(services.market_search(filters), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template("commerce/market.html", page=page, form=form, categories=CATEGORIES,
                           events=services.events_with_market())


@bp.get("/market/listings/<int:listing_id>")
def listing(listing_id: int):
    listing = db.get_or_404(MarketListing, listing_id)
    if (refused := _listing_or_login(listing)) is not None:
        return refused
    return render_template("commerce/listing.html", listing=listing, order_form=OrderForm(),
                           reject_form=RejectForm(), action_form=ActionForm())


@bp.get("/market/photos/<int:photo_id>/<any(full, thumb):size>.jpg")
def photo(photo_id: int, size: str):
    photo = db.get_or_404(MarketPhoto, photo_id)
    if (refused := _listing_or_login(photo.listing)) is not None:
        return refused
    response = send_from_directory(images.upload_dir(), photo.filename(size),
                                   mimetype="image/jpeg", max_age=300)
    if not photo.listing.is_approved:  # only its supplier and the organisers see it
        response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Supplier: listings, orders, sales (the company's market page: app/commerce/live/views.py) --

@bp.route("/companies/<int:company_id>/market/new", methods=["GET", "POST"])
@login_required
@accepts_photos
def new_listing(company_id: int):
    company = db.get_or_404(Company, company_id)
    ensure_company_editor(current_user, company.id)
    events = db.session.scalars(select(Event).order_by(Event.starts_on.desc())).all()
    form = NewListingForm()
    form.set_choices(company.products, events)
    if form.validate_on_submit():
        services.create_listing(
            company, db.get_or_404(Product, form.product.data),
            db.get_or_404(Event, form.event.data), current_user, price_krw=form.price_krw.data,
            stock=form.stock.data, category=form.category.data, booth=form.booth.data,
            photos=form.prepared_photos)
        db.session.commit()
        flash(_("Listing submitted. It appears in the market once an organiser approves it."),
              "success")
        return redirect(url_for("commerce.company_market", company_id=company.id))
    return render_template("commerce/listing_form.html", form=form, company=company,
                           listing=None)


@bp.route("/market/listings/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
@accepts_photos
def edit_listing(listing_id: int):
    listing = db.get_or_404(MarketListing, listing_id)
    ensure_company_editor(current_user, listing.company_id)
    form = EditListingForm(obj=listing, stock_seen=listing.stock)
    form.existing_photos = len(listing.photos)
    if form.validate_on_submit():
        services.update_listing(listing, current_user, price_krw=form.price_krw.data,
                                stock=form.stock.data, category=form.category.data,
                                booth=form.booth.data, photos=form.prepared_photos,
                                stock_seen=form.stock_seen.data)
        db.session.commit()
        flash(_("Listing saved.") if listing.status != "pending" else
              _("Listing saved. It is shown again once an organiser has reviewed it."),
              "success")
        return redirect(url_for("commerce.company_market", company_id=listing.company_id))
    return render_template("commerce/listing_form.html", form=form, company=listing.company,
                           listing=listing, action_form=ActionForm())


@bp.post("/market/photos/<int:photo_id>/delete")
@login_required
def delete_photo(photo_id: int):
    photo = db.get_or_404(MarketPhoto, photo_id)
    listing_id = photo.listing_id
    name = services.remove_photo(photo, current_user)
    db.session.commit()
    images.discard([name])
    flash(_("Photo removed."), "success")
    return redirect(url_for("commerce.edit_listing", listing_id=listing_id))


@bp.post("/companies/<int:company_id>/market/pickup")
@login_required
def pickup(company_id: int):
    company = db.get_or_404(Company, company_id)
    form = PickupForm()
    order = orders.fulfil_by_code(company, form.code.data or "", current_user)
    db.session.commit()
    flash(_("Order %(code)s handed over: %(quantity)d × %(product)s.", code=order.pickup_code,
            quantity=order.quantity, product=localized(order.listing.product, "name")), "success")
    return redirect(url_for("commerce.company_market", company_id=company.id))


@bp.post("/market/orders/<int:order_id>/fulfil")
@login_required
def fulfil(order_id: int):
    order = orders.fulfil_order(db.get_or_404(MarketOrder, order_id), current_user)
    db.session.commit()
    flash(_("Order %(code)s marked as picked up.", code=order.pickup_code), "success")
    return redirect(back_or("commerce.market"))


# --- Orders ----------------------------------------------------------------------------------

@bp.post("/market/listings/<int:listing_id>/order")
@login_required
def order(listing_id: int):
    listing = db.get_or_404(MarketListing, listing_id)
    form = OrderForm()
    if not form.validate_on_submit():
        raise orders.InvalidQuantity(limit=orders.MAX_ORDER_QUANTITY)

    def place() -> idempotency.Outcome:
        order = orders.place_order(listing, current_user, form.quantity.data)
        # A live session's order button comes back to the session.
        return idempotency.Outcome(
            safe_next(request.form.get("next"), "commerce.my_orders"),
            _("Reserved. Your pickup code is %(code)s: show it at the booth.",
              code=order.pickup_code))

    # A double click or a retry of the same form reserves once (app/idempotency.py).
    outcome = idempotency.once(form.submission.data, current_user.id, place)
    db.session.commit()
    flash(outcome.message, "success")
    return redirect(outcome.redirect_to)


@bp.get("/market/orders")
@login_required
def my_orders():
    return render_template("commerce/orders.html", orders=orders.orders_of_user(current_user),
                           action_form=ActionForm())


@bp.post("/market/orders/<int:order_id>/cancel")
@login_required
def cancel(order_id: int):
    order = orders.cancel_order(db.get_or_404(MarketOrder, order_id), current_user)
    db.session.commit()
    flash(_("Order %(code)s cancelled; its units are back on sale.", code=order.pickup_code),
          "success")
    return redirect(back_or("commerce.my_orders"))


# --- Organisers: review and reports ----------------------------------------------------------

@bp.get("/market/review")
@login_required
@organiser_required
def review():
    status = request.args.get("status", "pending")
    status = status if status in LISTING_STATUSES else ""
    return render_template(
        "commerce/review.html", status=status,
        listings=services.listings_for_review(current_user, status),
        events=db.session.scalars(select(Event).order_by(Event.starts_on.desc())).all(),
        reject_form=RejectForm(), action_form=ActionForm())


@bp.post("/market/listings/<int:listing_id>/approve")
@login_required
@organiser_required
def approve(listing_id: int):
    listing = services.approve_listing(db.get_or_404(MarketListing, listing_id), current_user)
    db.session.commit()
    flash(_("%(product)s is now on sale in the market.",
            product=localized(listing.product, "name")), "success")
    return redirect(back_or("commerce.review"))


@bp.post("/market/listings/<int:listing_id>/reject")
@login_required
@organiser_required
def reject(listing_id: int):
    form = RejectForm()
    listing = services.reject_listing(db.get_or_404(MarketListing, listing_id), current_user,
                                      (form.reason.data or "")[:1000])
    db.session.commit()
    flash(_("Listing of %(product)s rejected; the supplier sees your reason.",
            product=localized(listing.product, "name")), "success")
    return redirect(back_or("commerce.review"))


@bp.get("/market/events/<int:event_id>")
@login_required
@organiser_required
def event_report(event_id: int):
    event = db.get_or_404(Event, event_id)
    rows, total = orders.event_sales(event, current_user)
    return render_template("commerce/event_report.html", event=event, rows=rows, total=total,
                           orders=orders.orders_for_event(event, current_user),
                           action_form=ActionForm())
