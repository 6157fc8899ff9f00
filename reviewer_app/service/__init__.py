"""reviewer_app/service"""
