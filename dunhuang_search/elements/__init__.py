"""Element categories and the elements found on murals (detected, labelled or dense)."""
