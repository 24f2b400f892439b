"""Employment data of people: `/employment-data`."""

from personas.domain import employment_data as employment
from personas.handlers.records import operations
from personas.handlers.schemas.employment_data import employment_in, employment_out

(
    list_employment_data,
    create_employment_data,
    get_employment_data,
    update_employment_data,
    delete_employment_data,
) = operations(employment.KIND, employment_in.load, employment_out.dump, created=200)
