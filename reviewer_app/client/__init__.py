"""reviewer_app/client"""
