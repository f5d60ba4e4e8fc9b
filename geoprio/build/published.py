"""Figures published independently of the files the build reads, typed from their sources.

The validation report compares the shipped data with these constants; they are never computed
from the data. Each comes with where it was published. Press reports are cited where INEI's own
report was not at hand; they quote INEI's presentation of the survey or census.
"""

from __future__ import annotations

SOURCES = {
    "minsa_national_row": "MINSA REUNIS, población estimada 2020 por edades simples "
                          "(poblacion_2020_edades_distrito.xlsx), national row 000000 PERU",
    "inei_census_water": "INEI, Censos Nacionales 2017, resultados de vivienda (ago 2018): "
                         "21.7% of occupied private dwellings without water from the public "
                         "network, i.e. 78.3% with it (inside the dwelling, outside it within "
                         "the building, or a public standpipe); reported by Gestión, "
                         "https://gestion.pe/economia/2-6-millones-peruanos-viven-edificios-"
                         "agua-vivienda-242708",
    "inei_census_profile": "INEI (2018), Perú: Perfil Sociodemográfico. Informe Nacional. Censos "
                           "Nacionales 2017: rural population 20.7%; illiteracy (age 15+) 5.9%; "
                           "24.5% without health insurance (75.5% insured)",
    "inei_poverty_2018": "INEI, Evolución de la pobreza monetaria 2007-2018 (Apr 2019): "
                         "national 20.5%; Cajamarca (group 1) 37.4-46.3%; Ica and Madre de "
                         "Dios (last group) 1.8-4.4%; reported by La República, "
                         "https://larepublica.pe/economia/1447062-pobreza-cajamarca-mantiene-"
                         "region-pobre, and INEI's presentation of 2018 poverty",
    "inei_poverty_2019": "INEI (2020), Evolución de la pobreza monetaria 2008-2019: department "
                         "groups, as the midpoint of each group's interval, quoted in CEPLAN's "
                         "Matriz de indicadores 2007-2019, note 13a/",
    "endes_2018": "INEI, ENDES 2018 results (Feb 2019), reported by Andina and Perucámaras "
                  "(https://perucamaras.org.pe/nt114.html)",
    "endes_2019": "INEI (2020), Perú: Indicadores de Resultados de los Programas "
                  "Presupuestales 2014-2019 (ENDES 2019), quoted in CEPLAN's matrix, note 8/",
    "endes_2020": "INEI, ENDES 2020 results (May 2021), reported by Diario Correo / Perú21",
    "endes_2021": "INEI, ENDES 2021 results (May 2022), reported by La República and Tu Diario "
                  "Huánuco",
    "endes_2022": "INEI, ENDES 2022 and 2023 results, reported by Exitosa (Aug 2024, stunting "
                  "11.7% in 2022) and Ojo (2024, anaemia 42.4% in 2022)",
    "endes_2023": "INEI, ENDES 2023 results, reported by Exitosa (stunting 11.5%) and Ojo "
                  "(anaemia 43.1%; Puno 70.4, Ucayali 59.4, Madre de Dios 58.3, Loreto 58.1, "
                  "Huancavelica 56.6)",
    "ins_sien_2022": "INS/CENAN, Indicadores nutricionales en niños, SIEN-HIS enero-diciembre "
                     "2022 (sien_his_2022_indicadores_ninos.xlsx), national row PERÚ of each "
                     "sheet",
}

# MINSA REUNIS 2020: the file's own national row
MINSA_UNDER5_2020 = 2_788_624
MINSA_UNDER3_2020 = 1_613_102
MINSA_POP_2020 = 32_625_948

# INEI census 2017
INEI_WATER_DWELLINGS_2017 = 78.3
INEI_RURAL_2017 = 20.7
INEI_ILLITERACY_15PLUS_2017 = 5.9
INEI_UNINSURED_2017 = 24.5

# INEI monetary poverty
INEI_POVERTY_NATIONAL_2018 = 20.5
INEI_POVERTY_2018_INTERVALS = {"06": (37.4, 46.3), "11": (1.8, 4.4), "17": (1.8, 4.4)}
INEI_POVERTY_2019_MIDPOINTS = {
    "01": 30.5, "02": 13.3, "03": 30.5, "04": 13.3, "05": 36.85, "06": 36.85, "07": 13.3,
    "08": 23.6, "09": 36.85, "10": 30.5, "11": 2.6, "12": 23.6, "13": 23.6, "14": 13.3,
    "15": 13.3, "16": 30.5, "17": 13.3, "18": 13.3, "19": 30.5, "20": 23.6, "21": 36.85,
    "22": 23.6, "23": 13.3, "24": 13.3, "25": 13.3,
}

# INS SIEN-HIS 2022, national rows
INS_SIEN_2022 = {
    "u5": (1_501_434, 230_291, 15.3),
    "u3": (1_026_432, 151_526, 14.8),
    "6_35m": (349_835, 103_430, 29.6),
}

# ENDES (INEI): (year, department code, indicator, value, source key); "00" = national
_ENDES_2019 = {  # code: (stunting, anaemia)
    "00": (12.2, 40.1), "01": (17.9, 36.4), "02": (16.2, 40.2), "03": (16.1, 47.9),
    "04": (6.1, 33.9), "05": (17.3, 45.0), "06": (25.6, 28.7), "07": (3.8, 35.3),
    "08": (14.0, 57.4), "09": (30.7, 54.2), "10": (19.4, 39.1), "11": (5.5, 37.5),
    "12": (18.7, 52.6), "13": (12.7, 34.2), "14": (11.2, 39.0), "15": (5.5, 31.0),
    "16": (23.7, 53.0), "17": (8.4, 51.4), "18": (2.5, 33.2), "19": (16.0, 50.2),
    "20": (13.0, 43.8), "21": (12.6, 69.9), "22": (11.5, 44.3), "23": (2.4, 32.7),
    "24": (7.5, 44.4), "25": (17.7, 53.7),
}
ENDES_PUBLISHED: list[tuple[int, str, str, float, str]] = [
    (2018, "00", "stunting_u5", 12.2, "endes_2018"),
    (2018, "09", "stunting_u5", 32.0, "endes_2018"),
    (2018, "06", "stunting_u5", 27.4, "endes_2018"),
    (2018, "10", "stunting_u5", 22.4, "endes_2018"),
    (2018, "01", "stunting_u5", 20.4, "endes_2018"),
    (2018, "05", "stunting_u5", 20.2, "endes_2018"),
    (2018, "03", "stunting_u5", 20.1, "endes_2018"),
    (2018, "16", "stunting_u5", 20.0, "endes_2018"),
    (2018, "00", "anemia_6_35m", 43.5, "endes_2018"),
    (2018, "21", "anemia_6_35m", 67.7, "endes_2018"),
    (2018, "19", "anemia_6_35m", 58.7, "endes_2018"),
    (2018, "16", "anemia_6_35m", 57.4, "endes_2018"),
    (2018, "06", "anemia_6_35m", 31.9, "endes_2018"),
    (2018, "18", "anemia_6_35m", 33.9, "endes_2018"),
    (2018, "23", "anemia_6_35m", 34.9, "endes_2018"),
    *[(2019, code, ind, v[i], "endes_2019") for code, v in _ENDES_2019.items()
      for i, ind in enumerate(("stunting_u5", "anemia_6_35m"))],
    (2020, "00", "stunting_u5", 12.1, "endes_2020"),
    (2020, "09", "stunting_u5", 31.5, "endes_2020"),
    (2020, "16", "stunting_u5", 25.2, "endes_2020"),
    (2020, "06", "stunting_u5", 24.4, "endes_2020"),
    (2020, "00", "anemia_6_35m", 40.0, "endes_2020"),
    (2020, "21", "anemia_6_35m", 69.4, "endes_2020"),
    (2020, "25", "anemia_6_35m", 57.2, "endes_2020"),
    (2020, "17", "anemia_6_35m", 55.0, "endes_2020"),
    (2021, "00", "stunting_u5", 11.5, "endes_2021"),
    (2021, "09", "stunting_u5", 27.1, "endes_2021"),
    (2021, "16", "stunting_u5", 23.6, "endes_2021"),
    (2021, "06", "stunting_u5", 20.9, "endes_2021"),
    (2021, "00", "anemia_6_35m", 38.8, "endes_2021"),
    (2021, "21", "anemia_6_35m", 70.4, "endes_2021"),
    (2021, "25", "anemia_6_35m", 60.8, "endes_2021"),
    (2021, "17", "anemia_6_35m", 58.4, "endes_2021"),
    (2021, "23", "anemia_6_35m", 25.6, "endes_2021"),
    (2022, "00", "stunting_u5", 11.7, "endes_2022"),
    (2022, "00", "anemia_6_35m", 42.4, "endes_2022"),
    (2023, "00", "stunting_u5", 11.5, "endes_2023"),
    (2023, "00", "anemia_6_35m", 43.1, "endes_2023"),
    (2023, "21", "anemia_6_35m", 70.4, "endes_2023"),
    (2023, "25", "anemia_6_35m", 59.4, "endes_2023"),
    (2023, "17", "anemia_6_35m", 58.3, "endes_2023"),
    (2023, "16", "anemia_6_35m", 58.1, "endes_2023"),
    (2023, "09", "anemia_6_35m", 56.6, "endes_2023"),
]
