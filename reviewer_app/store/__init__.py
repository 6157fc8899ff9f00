"""reviewer_app/store"""
