"""The recruiter / privacy-officer panel: pages, sign-in, role checks. Calls ats services."""
