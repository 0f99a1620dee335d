from shared.settings import InfraSettings


class DashboardSettings(InfraSettings):
    database: str = "dashboard"
    http_port: int = 8004
    consumer_group: str = "dashboard"
    # Where "today" is for renewals and a group's status (New, Renewal due): the business's day, not
    # UTC's, which turns over in the American afternoon.
    business_time_zone: str = "America/Los_Angeles"
