"""Market forms: listings with photos, review, orders, pickup and the market's filters."""

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from app.commerce.market import images
from app.commerce.market.models import CATEGORIES, category_labels
from app.commerce.market.orders import MAX_ORDER_QUANTITY
from app.commerce.market.services import MAX_PRICE_KRW, MAX_STOCK
from app.i18n import _, _l, localized
from app.idempotency import SubmissionKeyField
from app.ids import WholeNumberField
from app.web.forms import optional_text


class CategoryField(SelectField):
    """The market's categories, labelled in the viewer's language."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, choices=[], **kwargs)

    def _labelled(self) -> list[SelectChoice]:
        labels = category_labels()
        return [SelectChoice(code, labels[code]) for code in CATEGORIES]

    def pre_validate(self, form) -> None:
        self.choices = self._labelled()
        super().pre_validate(form)

    def iter_choices(self):
        self.choices = self._labelled()
        return super().iter_choices()


class ListingTarget(FlaskForm):
    """Which product at which event: chosen once, when the listing is made (declared before
    ListingFields so that the form shows these first)."""

    product = SelectField(_l("Product"), coerce=int, validators=[DataRequired()])
    event = SelectField(_l("Event"), coerce=int, validators=[DataRequired()])

    def set_choices(self, products, events) -> None:
        self.product.choices = [(p.id, f"{localized(p, 'name')} ({p.product_ref})")
                                for p in products]
        self.event.choices = [(e.id, localized(e, "name")) for e in events]


class ListingFields(FlaskForm):
    """What a supplier sets on a listing, new or edited; photos are checked by decoding them
    and kept, prepared, in `prepared_photos` for the service to store."""

    price_krw = WholeNumberField(_l("Price (KRW)"), validators=[
        InputRequired(), NumberRange(min=1, max=MAX_PRICE_KRW,
                                     message=_l("Enter a whole number of won above 0."))],
        description=_l("In whole won, e.g. 12000"))
    stock = WholeNumberField(_l("Units in stock"), validators=[
        InputRequired(), NumberRange(min=0, max=MAX_STOCK,
                                     message=_l("Enter a whole number, 0 or more."))])
    category = CategoryField(_l("Category"), validators=[DataRequired()])
    booth = StringField(_l("Booth"), validators=optional_text(20),
                        description=_l("Where buyers pick up their orders, e.g. A-12"))
    photo_files = MultipleFileField(_l("Photos"))

    existing_photos = 0  # set by the edit view: the limit counts the photos already there
    prepared_photos: list[images.PreparedPhoto] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        config = current_app.config
        self.photo_files.description = _(
            "JPEG, PNG or WebP, at most %(mb)s MB each and %(count)d per listing. A new price "
            "or new photos are reviewed again before the listing is shown.",
            mb=f"{config['MARKET_MAX_PHOTO_BYTES'] / 1024 / 1024:g}",
            count=config["MARKET_MAX_PHOTOS"])

    def validate_photo_files(self, field) -> None:
        self.prepared_photos = []
        files = [upload for upload in field.data or []
                 if isinstance(upload, FileStorage) and upload.filename]
        limit = current_app.config["MARKET_MAX_PHOTOS"]
        if self.existing_photos + len(files) > limit:
            raise ValidationError(_l("A listing can have at most %(limit)d photos.",
                                     limit=limit))
        problems = []
        for upload in files:
            try:
                self.prepared_photos.append(images.prepare(
                    upload.stream, upload.filename, current_app.config["MARKET_MAX_PHOTO_BYTES"]))
            except images.PhotoRejected as error:
                problems.append(error.text())
        if problems:
            self.prepared_photos = []
            raise ValidationError(" ".join(problems))


class NewListingForm(ListingTarget, ListingFields):
    submit = SubmitField(_l("Submit for review"))


def _whole_number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class EditListingForm(ListingFields):
    # The stock the form showed: the service applies the supplier's change to it, so that
    # orders placed while the form was open are not overwritten.
    stock_seen = HiddenField(filters=[_whole_number])
    submit = SubmitField(_l("Save listing"))


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason for rejecting"),
                           validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Reject"))


class OrderForm(FlaskForm):
    submission = SubmissionKeyField()
    quantity = WholeNumberField(_l("Quantity"), default=1, validators=[
        InputRequired(), NumberRange(min=1, max=MAX_ORDER_QUANTITY)])
    submit = SubmitField(_l("Reserve for pickup"))


class PickupForm(FlaskForm):
    code = StringField(_l("Pickup code"), validators=[DataRequired(), Length(max=20)])
    submit = SubmitField(_l("Hand over"))


class MarketFilterForm(FlaskForm):
    """The market's filters: a GET form, so links can be shared and no CSRF is needed."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=optional_text(200))
    category = StringField(_l("Category"))
    event = WholeNumberField(_l("Event"))
