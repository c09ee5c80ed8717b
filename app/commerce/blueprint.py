"""The commerce blueprint: the market's and the live sessions' pages both hang on it."""

from flask import Blueprint

bp = Blueprint("commerce", __name__)
