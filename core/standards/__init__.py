"""Catalogues from the standards: the analysis indicators (GB 26451 groups) and the soil
screening values (GB 15618, GB 36600). Imports only core.common."""
