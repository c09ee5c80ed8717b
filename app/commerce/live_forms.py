"""Live commerce forms: scheduling a session, chat messages and moderation buttons."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.commerce.live_models import MAX_MESSAGE_CHARS
from app.forms import optional_text
from app.i18n import _l, localized


def _whole_number_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LiveSessionForm(FlaskForm):
    """Times are typed in the event's time zone; `to_utc` converts them for the service."""

    company = SelectField(_l("Supplier"), coerce=int, validators=[DataRequired()])
    title_ko = StringField(_l("Title (Korean)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=optional_text(200))
    description_ko = TextAreaField(_l("Description (Korean)"), validators=optional_text(2000))
    description_en = TextAreaField(_l("Description (English)"), validators=optional_text(2000))
    starts_at = DateTimeLocalField(_l("Starts at"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired()])
    ends_at = DateTimeLocalField(_l("Ends at"), format="%Y-%m-%dT%H:%M",
                                 validators=[InputRequired()])
    host_email = EmailField(_l("Host account (e-mail)"), validators=optional_text(254),
                            description=_l("An organiser or one of the supplier's users: they "
                                           "answer and moderate the chat."))
    host_name = StringField(_l("Host name shown"), validators=optional_text(100))
    stream_url = URLField(_l("Stream link"), validators=optional_text(500),
                          description=_l("A YouTube link is embedded in the page; any other "
                                         "link is shown for viewers to open."))
    listings = CheckboxesField(_l("Featured products"), coerce=int,
                               description=_l("Approved market listings of the supplier at "
                                              "this event."))
    submit = SubmitField(_l("Save session"))

    def set_choices(self, companies, listings) -> None:
        if self.company is not None:
            self.company.choices = [(c.id, localized(c, "name")) for c in companies]
        self.listings.choices = [
            (listing.id, f"{localized(listing.product, 'name')} · "
                         f"{localized(listing.company, 'name')}") for listing in listings]

    def validate_ends_at(self, field) -> None:
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The session must end after it starts."))

    @staticmethod
    def to_utc(local: datetime, timezone: str) -> datetime:
        return local.replace(tzinfo=ZoneInfo(timezone))

    @staticmethod
    def to_local(moment: datetime, timezone: str) -> datetime:
        from app.expo.setup import as_utc

        return as_utc(moment).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


class EditLiveSessionForm(LiveSessionForm):
    company = None  # a session's supplier stays: schedule another session for another one


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Your question"), validators=[
        DataRequired(), Length(max=MAX_MESSAGE_CHARS)])
    reply_to = HiddenField(filters=[_whole_number_or_none])
    submit = SubmitField(_l("Send"))


class ToggleForm(FlaskForm):
    """A moderation button: `on` is "1" to hide/pin/mute, "0" to undo."""

    on = HiddenField(default="1")

    @property
    def turned_on(self) -> bool:
        return self.on.data != "0"


class PinListingForm(FlaskForm):
    listing = HiddenField(filters=[_whole_number_or_none])


class QuestionRequestForm(FlaskForm):
    message = TextAreaField(_l("Message to the supplier"),
                            validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Request a meeting"))
