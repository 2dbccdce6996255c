"""The ``[valuation]`` section of the sample case's case file: SAMPLE prices and quantities.

Every value here is invented for the demonstration and says so in its source; none is a
real price. No random numbers: the section is the same text in every run, and no other
file of the sample case changes because of it.
"""

from __future__ import annotations

SAMPLE = "SAMPLE VALUE (synthetic, not a real price)"


def _price(value, unit, date, what, default=False):
    return {"value": value, "unit": unit, "source": f"{SAMPLE}: {what}", "date": date, "default": default}


def valuation_section() -> dict:
    """The ``[valuation]`` table written into the sample case's ``case.toml``."""
    return {
        "assessment_date": "2026-03-15",
        "discount_rate": 0.03,
        "sensitivity_rates": [0.02, 0.05],
        "crediting": "mid-year",
        "interim_in_total": "hea",
        "note": f"{SAMPLE}: every price, cost and quantity of this section",
        "quantities": {
            # fallbacks when the vegetation, resource and water tables are not given
            "vegetation_damaged_area_hm2": {"value": 1.2, "unit": "hm2", "source": f"{SAMPLE}: forest area lost"},
            "resource_reo_t": {"value": 30.0, "unit": "t", "source": f"{SAMPLE}: REO resource of the leached blocks"},
            "groundwater_volume_m3": {"value": 5000.0, "unit": "m3",
                                      "source": f"{SAMPLE}: groundwater treatment volume"},
        },
        "actual_costs": [
            {"item": "应急处置 emergency containment of the ponds", "date": "2025-11-20", "amount": 38500.0,
             "unit": "元", "evidence": f"{SAMPLE}: receipt DEMO-001"},
            {"item": "检测费 laboratory analyses", "date": "2026-03-10", "amount": 126000.0, "unit": "元",
             "evidence": f"{SAMPLE}: invoice DEMO-002"},
        ],
        "mineral": {
            "product_quantity": 5.0,
            "product_unit": "t",
            "product_source": f"{SAMPLE}: seized product and ledgers",
            "sales": [{"quantity": 2.0, "unit": "t", "amount": 410000.0, "amount_unit": "元", "date": "2024-09-20",
                       "evidence": f"{SAMPLE}: bank transfer DEMO-003"}],
            "price": "reo_price",
            "recovery_design": "recovery_design",
            "recovery_national_minimum": "recovery_national_minimum",
            "destroyed_basis": "recoverable_minus_extracted",
        },
        "restoration": [
            {"item": "石灰钝化 lime passivation of the damaged soil", "kind": "primary",
             "quantity": "soil_damaged_volume_m3", "price": "lime_passivation"},
            {"item": "植被恢复 revegetation", "kind": "primary", "quantity": "vegetation_damaged_area_hm2",
             "price": "revegetation"},
            {"item": "地下水处理 groundwater treatment", "kind": "primary", "quantity": "groundwater_volume_m3",
             "price": "groundwater_treatment"},
            {"item": "监测 monitoring, 3 years", "kind": "primary", "quantity": 1, "quantity_unit": "item",
             "price": "monitoring"},
        ],
        "interim": {
            "area": "vegetation_damaged_area_hm2", "loss_start_year": 2024, "recovery_year": 2034,
            "initial_loss": 1.0, "method": "compensatory_project", "compensatory_gain": 0.8,
            "compensatory_start_year": 2027, "compensatory_years": 20, "price": "compensatory_restoration",
        },
        "forest": {
            "area": "vegetation_damaged_area_hm2", "years_of_loss": 10,
            "price_index_source": f"{SAMPLE}: consumer price index",
            "price_index": {"2020": 100.0, "2026": 108.6},
            "services": [
                {"service": "涵养水源 water conservation", "price": "forest_water_conservation", "price_year": 2020},
                {"service": "保育土壤 soil conservation", "price": "forest_soil_conservation", "price_year": 2020},
                {"service": "固碳释氧 carbon fixation and oxygen release", "price": "forest_carbon_oxygen",
                 "price_year": 2020},
            ],
        },
        "residual": [
            {"item": "土壤资源永久损失 soil resource not restorable", "quantity": "soil_damaged_area_hm2",
             "method": "unit_value", "price": "residual_unit_value"},
        ],
        "prices": {
            "reo_price": _price(200000.0, "元/t", "2025-01-15", "price-determination conclusion, mixed REO"),
            "recovery_national_minimum": _price(0.75, "1", "2013-12-01", "national minimum recovery rate"),
            "recovery_design": _price(0.70, "1", "2018-06-01", "mine design recovery rate"),
            "lime_passivation": _price(85.0, "元/m3", "2026-01-10", "lime passivation unit cost"),
            "revegetation": _price(45000.0, "元/hm2", "2026-01-10", "revegetation unit cost"),
            "groundwater_treatment": _price(12.0, "元/m3", "2026-01-10", "groundwater treatment unit cost"),
            "monitoring": _price(150000.0, "元/item", "2026-01-10", "three years of monitoring"),
            "compensatory_restoration": _price(60000.0, "元/hm2", "2026-01-10", "compensatory planting unit cost"),
            "forest_water_conservation": _price(3200.0, "元/(hm2·a)", "2020-12-31", "water conservation value"),
            "forest_soil_conservation": _price(1800.0, "元/(hm2·a)", "2020-12-31", "soil conservation value"),
            "forest_carbon_oxygen": _price(2500.0, "元/(hm2·a)", "2020-12-31", "carbon and oxygen value"),
            "residual_unit_value": _price(20000.0, "元/hm2", "2026-01-10", "soil resource value"),
        },
    }
