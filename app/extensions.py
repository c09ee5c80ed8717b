"""Flask extensions, created unbound and initialised in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from app.core.db import Base
from app.ids import BoundedSQLAlchemy

# get_or_404 and paginate answer 404 for numbers beyond any id (app/ids.py).
db = BoundedSQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# Limits are declared where they apply (the log-in form); storage comes from the config.
limiter = Limiter(get_remote_address)
