from tests.checkins.helpers import as_user, circle_world  # noqa: F401  (fixtures)
