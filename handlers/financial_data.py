"""Financial data of people: `/financial-data`."""

from personas.domain import financial_data as financial
from personas.handlers.records import operations
from personas.handlers.schemas.financial_data import financial_in, financial_out

(
    list_financial_data,
    create_financial_data,
    get_financial_data,
    update_financial_data,
    delete_financial_data,
) = operations(financial.KIND, financial_in.load, financial_out.dump)
