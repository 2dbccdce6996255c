"""Qt widgets and dialogs; they talk to processing/ by running algorithms."""

# Where the QGIS project remembers the case file of the case panel (QgsProject.writeEntry).
PROJECT_SCOPE = "ree_damage"
PROJECT_KEY = "case_file"
