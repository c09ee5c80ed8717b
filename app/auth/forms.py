"""Log-in, registration and account forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.auth.passwords import StrongPassword
from app.auth.services import find_user
from app.i18n import _l


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in"))
    submit = SubmitField(_l("Log in"))


class AccountFields(FlaskForm):
    """Email and a confirmed password, shared by both registration forms."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(), Length(min=8, max=128, message=_l("Use 8 to 128 characters.")),
        StrongPassword()])
    confirm = PasswordField(_l("Repeat password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])

    def validate_email(self, field) -> None:
        if find_user(field.data) is not None:
            raise ValidationError(_l("An account with this email address already exists. "
                                     "Log in instead."))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=8, max=128, message=_l("Use 8 to 128 characters.")),
        StrongPassword()])
    confirm = PasswordField(_l("Repeat new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])
    submit = SubmitField(_l("Change password"))


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[
        SelectChoice("", _l("Browser default")), SelectChoice("en", "English"),
        SelectChoice("ko", "한국어")])
    submit = SubmitField(_l("Save"))

