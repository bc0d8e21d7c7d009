"""Files in, validated: world data sets, the scenario format, output tables."""
